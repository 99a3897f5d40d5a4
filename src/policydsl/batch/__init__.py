"""Tables of profiles in and out: input, validation in SQL, kept plans, output, the two engines."""
