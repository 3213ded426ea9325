"""kerasgui: build, train, evaluate and predict with Keras models, point and click or scripted."""

__version__ = "0.1.0"
