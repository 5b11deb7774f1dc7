"""Builds, with no download, a small LLaVA-1.5-style model folder that loads the way
llava-hf/llava-1.5-7b-hf does (LlavaForConditionalGeneration + LlavaProcessor through
from_pretrained / AutoProcessor): a CLIP vision tower (penultimate layer, CLS dropped), a
two-layer GELU projector, a Llama language model, and a SentencePiece-style BPE tokenizer
(Metaspace, <s> first, <image> and </s> special) trained here on the check's own samples.
Used by device-check.sh to run hf-vlm's real-model code path offline.
    python3 make_small_llava.py OUT_DIR"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import protocol as P  # noqa: E402


def corpus():
    for name in ("tune.jsonl", "items-images.jsonl"):
        for r in P.read_jsonl(os.path.join(HERE, "testdata", name)):
            turns = [(t["instruction"], (t["references"] or [""])[0]) for t in r.get("turns", [])] or \
                [(r["instruction"], (r["references"] or [""])[0])]
            yield P.prompt_text(P.conversation_segments(turns, P.DEFAULTS["system_prompt"], False, r.get("context")))


def build_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast
    specials = ["<unk>", "<s>", "</s>", "<pad>", P.IMAGE_TOKEN]
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="first")
    tok.train_from_iterator(corpus(), trainers.BpeTrainer(vocab_size=1500, special_tokens=specials, show_progress=False))
    bos = tok.token_to_id("<s>")
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>")


def main(out):
    import torch
    from transformers import CLIPImageProcessor, CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration, LlavaProcessor
    torch.manual_seed(0)
    tokenizer = build_tokenizer()
    image_size, patch = 64, 16
    images = CLIPImageProcessor(size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size},
                                image_mean=[0.48145466, 0.4578275, 0.40821073], image_std=[0.26862954, 0.26130258, 0.27577711])
    processor = LlavaProcessor(image_processor=images, tokenizer=tokenizer, patch_size=patch, vision_feature_select_strategy="default",
                               image_token=P.IMAGE_TOKEN, num_additional_image_tokens=1)
    vision = CLIPVisionConfig(hidden_size=64, intermediate_size=256, num_hidden_layers=3, num_attention_heads=4,
                              image_size=image_size, patch_size=patch, projection_dim=64)
    text = LlamaConfig(vocab_size=len(tokenizer), hidden_size=128, intermediate_size=352, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=4, max_position_embeddings=4096, bos_token_id=tokenizer.bos_token_id,
                       eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    cfg = LlavaConfig(vision_config=vision, text_config=text, image_token_index=tokenizer.convert_tokens_to_ids(P.IMAGE_TOKEN),
                      vision_feature_layer=-2, vision_feature_select_strategy="default", projector_hidden_act="gelu",
                      image_seq_length=(image_size // patch) ** 2)
    cfg.pad_token_id = tokenizer.pad_token_id
    model = LlavaForConditionalGeneration(cfg)
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    names = sorted(n for n, _ in model.named_modules() if n.endswith(("q_proj", "down_proj", "multi_modal_projector")))
    print(json.dumps({"dir": out, "vocab": len(tokenizer), "parameters": sum(q.numel() for q in model.parameters()),
                      "image_tokens": cfg.image_seq_length, "some_modules": names[:2] + names[-2:]}))


if __name__ == "__main__":
    main(sys.argv[1])
