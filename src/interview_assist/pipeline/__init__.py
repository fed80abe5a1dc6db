"""The stages in order, from a recording to a draft transcript (:mod:`.run`), and the settings a person gives it (:mod:`.settings`)."""
