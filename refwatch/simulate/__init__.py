"""Synthetic data for RefWatch: invented people, invented names, never real persons.

- :mod:`refwatch.simulate.names`: invented Korean names and their romanisations;
- :mod:`refwatch.simulate.world`: a noisy multi-source world with an answer key
  (``simulate_world``), for linkage, counting, estimation and import benchmarks;
- :mod:`refwatch.simulate.demo`: the DOMAIN.md seed scenario (``write_demo``,
  ``DEMO_GROUPS``, ``DEMO_OBSERVATIONS``).
"""
