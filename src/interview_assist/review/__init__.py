"""An officer's review, headless: the session's state and actions on the store, the views of an interview, playback."""
