"""Demo: the reference deployment (as data) and a synthetic data generator.

Nothing here is real casework: the deployment file names real public authorities but
fictional NGOs, and every person, phone, company and address comes from
``opennrm.demo.synthetic``.
"""
