"""Match rounds: coordinators freeze inputs, run the solver, review, adjust and approve."""
