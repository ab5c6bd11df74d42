"""Language models through Agno: Gemini, OpenAI-compatible servers, the embedded model."""
