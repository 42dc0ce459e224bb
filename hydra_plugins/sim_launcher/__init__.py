"""The project's Hydra launchers (configs/hydra/launcher/ names them)."""
