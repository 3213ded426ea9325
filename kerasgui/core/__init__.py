"""The Qt-free core of kerasgui: project file, catalog, data, builder and training session."""
