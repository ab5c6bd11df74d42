"""The embedded model: llama.cpp (xllamacpp) serving a GGUF on a loopback port."""
