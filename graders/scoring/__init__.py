"""Scoring: which run counts (counted), the score and with/without tables (tables), the statistics
(stats) and the judge's agreement with humans (agreement). Pure functions over rows that the store
reads; workbench.scores joins the two, and every front door prints what they compute."""
