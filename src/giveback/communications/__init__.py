"""Communications: the e-mail templates coordinators shape, and the notices each person chooses to get."""
