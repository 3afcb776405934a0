"""Estimation layer: a generic panel-regression engine (no study names or defaults beyond arguments).

* :mod:`.design` -- absorbing fixed effects, singletons, degrees-of-freedom bookkeeping
  (``count_absorbed_levels`` by graph components, O(n) ``is_nested``).
* :mod:`.models` -- ``fit_panel`` (TWFE / FD / LD) -> ``PanelResult`` with ``with_vcov()`` and
  ``wildboot()`` (no refit) and ``provenance()``.
* :mod:`.inference` -- variance estimators and their registry ``VCOV_REGISTRY`` (name -> function and
  small-sample convention): ``iid``, ``hetero``, ``CRV1``, ``CR2``.
* :mod:`.interval` -- interval (censored normal) regression -> ``IntervalResult``.
* :mod:`.results` -- ``CoefResult``, the base of both results: one tidy column set
  (``term, estimate, std_error, statistic, p_value, conf_low, conf_high, df, vcov``).
* :mod:`.wildboot`, :mod:`.randomization`, :mod:`.power` -- wild cluster bootstrap, randomization
  inference, power simulation.

Replication counts have one name per kind: ``B`` bootstrap draws, ``n_perm`` permutations,
``n_sims`` simulated data sets (parameters, result attributes and table columns alike).
Importing this package does not import scipy.stats, scipy.optimize or any plotting library.
"""
