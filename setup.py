"""Packaging for ganbook. Every value comes from settings.ini, the one source of metadata."""
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
c = cfg['DEFAULT']

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
statuses = ['Planning', 'Pre-Alpha', 'Alpha', 'Beta', 'Production/Stable', 'Mature', 'Inactive']
lic = licenses[c['license']]

setuptools.setup(
    name=c['lib_name'],
    version=c['version'],
    description=c['description'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    author=c['author'], author_email=c['author_email'],
    license=lic[0], url=c['git_url'],
    keywords=c['keywords'].split(),
    classifiers=[f'Development Status :: {int(c["status"]) + 1} - {statuses[int(c["status"])]}',
                 f'Intended Audience :: {c["audience"]}', f'License :: {lic[1]}',
                 'Natural Language :: English', 'Programming Language :: Python :: 3'],
    python_requires=f'>={c["min_python"]}',
    packages=setuptools.find_packages(include=['ganbook', 'ganbook.*']),
    include_package_data=True,
    package_data={'ganbook': ['weights/*.safetensors', 'weights/*.json', 'weights/*.jsonl',
                              'weights/records/*.safetensors', 'weights/records/*.json']},
    install_requires=c['requirements'].split(),
    extras_require={'dev': c['dev_requirements'].split()},
    entry_points={'console_scripts': c['console_scripts'].split(),
                  'nbdev': [f'{c["lib_name"]}={c["lib_name"]}._modidx:d']},
    zip_safe=False,
)
