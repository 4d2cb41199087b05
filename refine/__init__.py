"""LLM layer (refine/llm.py: make_llm, Generation; backends openai, transformers, vllm), prompt
files (refine/prompts/, refine/prompting.py), and the `refine` pipeline (refine/pipeline.py)."""
