"""Credit information (融资征信): public-credit records of firms, loaded by the commission, data
providers and the demo world."""
