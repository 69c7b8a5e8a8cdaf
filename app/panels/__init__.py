"""Side panels: background choice and refinement brushes."""
