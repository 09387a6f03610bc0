"""Stage 4, decide: baseline states, the policy decision, prioritisation."""
