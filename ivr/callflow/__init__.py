"""The call flow: the menu graph, where a caller is, what each choice does, what is said where,
transfers, and the engine that turns a caller's step into a turn (see engine.py)."""
