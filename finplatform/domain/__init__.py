"""The platform's domain vocabulary: units of the plan's figures, reference records' shapes and
code formats. Pure Python (no Flask, no database); `seeds/` reads its data files into these."""
