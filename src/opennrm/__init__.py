"""OpenNRM: cooperation against trafficking in human beings."""
