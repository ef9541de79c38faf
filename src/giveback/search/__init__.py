"""The coordinators' search across people, organizations, host requests and trips."""
