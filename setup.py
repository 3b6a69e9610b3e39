"""Package list for setuptools: found, not listed, so a new check family needs no edit here.

`checks/` is installed as `kopscheck_checks` (a top-level `checks` package in site-packages
would collide with anything else that picked that generic name); setuptools cannot rename a
package it finds itself, so the families under checks/ are found here and prefixed.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["kopscheck", "kopscheck.*"]),
        "kopscheck_checks",
        *(f"kopscheck_checks.{name}" for name in find_packages("checks")),
    ],
)
