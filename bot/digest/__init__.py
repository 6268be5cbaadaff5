"""The weekly digest (週次レポート): the back office's numbers, posted once a week to one channel.

numbers.py computes them (pure queries, both backends), view.py renders Block Kit, chart.py draws the
8-week chart (matplotlib, Japanese font shipped by a PyPI package), post.py enqueues the message and
the chart upload through the outbox, exactly once per week whatever the replica count."""
