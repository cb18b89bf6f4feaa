"""OpenNRM: cooperation against trafficking in human beings."""

import os

# One BLAS thread per computation: the web server answers requests on several threads,
# and disclosure control's small matrix work only slows down when each of them starts a
# BLAS thread per core as well. Set before numpy is first imported; an operator's own
# setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
