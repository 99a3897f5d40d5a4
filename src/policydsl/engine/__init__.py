"""The checked model applied to facts: the semantics, the fast closures, the explainer."""
