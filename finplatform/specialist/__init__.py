"""Pages of sci-tech finance specialists (科技金融专员)."""
