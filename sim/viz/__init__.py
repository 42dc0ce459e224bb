"""Browser visualisation helpers for the simulation (Solara)."""
