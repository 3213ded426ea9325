"""kerasgui: build, train, evaluate and predict with Keras models, point and click or from the command line."""

__version__ = "0.1.0"
