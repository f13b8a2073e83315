"""Gradio UI (see issue: the Gradio front end). Calls hub services in process."""
