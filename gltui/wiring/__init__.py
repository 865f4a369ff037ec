"""Composition: where the configuration meets the engine.

``config`` knows the file and the token sources; ``inventory`` knows how to walk an
instance. Neither imports the other: this layer, above both, turns an
:class:`~gltui.config.model.InstanceConfig` into an
:class:`~gltui.inventory.spec.InstanceSpec`, builds engines, and runs ``config check``
(which signs in, so it is not the config layer's to do). The CLI and the instances
screens use it.
"""
