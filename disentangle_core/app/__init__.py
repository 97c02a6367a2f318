"""The Gradio app, one module per tab; ``demo_app.py`` at the repository root wires them together."""
