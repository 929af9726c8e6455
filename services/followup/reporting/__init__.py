"""followup's evaluation report (CONTRACTS.md ``/api/v1/reports/summary``), one module a step.

- ``summary``: the use case: check the question, count the facts known then, protect, answer;
- ``fact_tables``: the report's facts as bitemporal tables, kept up to date event by event;
- ``cell_counts``: the cells counted in SQL over the versions valid at ``as_of``;
- ``figures_from_cells``: the figures added up from the cells;
- ``disclosure_control``: small cells suppressed, counts rounded (pure);
- ``csv_output``: the figures as CSV;
- ``fold`` and ``figures_from_fold``: the same figures folded from the log, kept as the
  oracle a generated test compares the counted figures with.
"""
