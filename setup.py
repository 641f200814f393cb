"""Packaging for codeit_nb: every field comes from `settings.ini` (nbdev 2 layout).

The `pyproject.toml` that `nbdev_export` writes declares most metadata `dynamic`; this file
supplies each of those fields (keywords, description, version, dependencies,
optional-dependencies, readme, license, authors, classifiers, entry-points, scripts, urls).
"""
from configparser import ConfigParser
from pathlib import Path

import setuptools

here = Path(__file__).resolve().parent
config = ConfigParser(delimiters=['='])
config.read(here / 'settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

for key in 'version description keywords author author_email license status min_python audience language user repo lib_name'.split():
    assert key in cfg, f'settings.ini is missing `{key}`'

# settings.ini names the licence the nbdev way; packaging wants an SPDX expression.
spdx = {'apache2': 'Apache-2.0', 'mit': 'MIT', 'gpl3': 'GPL-3.0-or-later'}.get(cfg['license'].lower(), cfg['license'])
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable',
            '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()
min_python = cfg['min_python']


def words(key):
    "Space-separated list `key` of settings.ini (empty list when absent)."
    return cfg.get(key, '').split()


requirements = words('requirements')
dev_requirements = words('dev_requirements')
git_url = cfg.get('git_url', f"https://github.com/{cfg['user']}/{cfg['repo']}")
readme = here / 'README.md'

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    keywords=cfg['keywords'].split(),
    license=spdx,
    author=cfg['author'],
    author_email=cfg['author_email'],
    url=git_url,
    project_urls={'Source': git_url, 'Documentation': f"https://{cfg['user']}.github.io/{cfg['repo']}"},
    classifiers=[
        f"Development Status :: {statuses[int(cfg['status']) - 1]}",
        f"Intended Audience :: {cfg['audience'].title()}",
        f"Natural Language :: {cfg['language'].title()}",
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ] + [f'Programming Language :: Python :: {v}' for v in py_versions[py_versions.index(min_python):]],
    long_description=readme.read_text(encoding='utf-8') if readme.exists() else cfg['description'],
    long_description_content_type='text/markdown',
    python_requires=f'>={min_python}',
    # Namespace discovery so that data folders such as `codeit_nb/solver_programs/` (solver
    # text files, `*.dsl`, no `__init__.py`) are shipped as package data.
    packages=setuptools.find_namespace_packages(include=[cfg['lib_path'], f"{cfg['lib_path']}.*"], exclude=['*.__pycache__']),
    include_package_data=True,
    package_data={'': ['*.dsl', 'harvest.json']},
    install_requires=requirements,
    extras_require={'dev': dev_requirements, 'ray': words('ray_requirements')},  # `pip install -e '.[ray]'`: the Ray executor
    entry_points={
        'console_scripts': words('console_scripts'),
        'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"],
    },
    zip_safe=False,
)
