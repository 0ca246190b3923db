"""Shim for tools that still call `python setup.py` (scrapyd-deploy builds its egg this way).

Everything is declared in pyproject.toml, including the `scrapy` entry point scrapyd reads.
"""

from setuptools import setup

setup()
