"""An institution's financing products: post, edit, retire."""
