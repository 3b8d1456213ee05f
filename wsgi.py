import gc

from sem import create_app

app = create_app()
# What start-up made (modules, the app, templates, catalogues) lives as long as the worker:
# moved out of the collector's reach, a full collection no longer walks it on every request
# that happens to trigger one (it took 120-170 ms on the dashboard).
gc.freeze()
