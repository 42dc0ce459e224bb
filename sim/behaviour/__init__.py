"""Decision rules, one module per published origin. Pure functions over arrays: the model and the
docking tests call the same code."""
