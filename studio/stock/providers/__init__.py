"""The stock libraries Studio can search, one small module each (Pexels, Pixabay, DVIDS,
Openverse, the NASA image library); ``studio.stock.registry`` names and builds them."""
