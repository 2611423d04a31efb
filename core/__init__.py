"""Cross-cutting pieces every stage uses: time, masking of personal data, logging."""
