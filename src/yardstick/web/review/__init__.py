"""The review screen: `/review`, where people answer an evaluation's contributor questions."""
