"""The window: thin Qt views over kerasgui.core (DESIGN.md section 1). Nothing here imports Keras at
module level, so the window shows before TensorFlow has loaded."""
