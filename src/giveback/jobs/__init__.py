"""Background work shared by any number of workers: the job queue, leases, and waking idle workers."""
