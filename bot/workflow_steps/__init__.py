"""madoguchi as a Workflow Builder custom step: 「madoguchi で承認」 sends an item of any workflow through the
approval chain and hands the workflow its outcome. `spec` declares the step (the manifest's function), `start`
turns a run into a request, `runs` tells Slack how each run ended — once."""
