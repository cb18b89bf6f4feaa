"""Statistics that single no one out, and the field's exchange formats.

`facts` holds the plain rows everything is counted from; `disclosure` protects tables
before release; `queries` loads the rows from the database; `official`, `ctdc` and
`htcds` shape them for Eurostat, UNODC, CTDC and IOM's case data standard.
"""
