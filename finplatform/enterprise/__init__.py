"""Pages of tech SMEs (科技型中小企业)."""
