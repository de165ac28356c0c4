"""Read models for the council's readers (dossier, exports, auditor workspace, home page, pipeline); it writes nothing but export audit events."""
