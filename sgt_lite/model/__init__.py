"""Model stage: checkpoint and bundle formats, feature stacking, the numpy step, backends."""
