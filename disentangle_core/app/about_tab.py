"""Tab "About": the families and their models, the card of every shipped checkpoint, data and licences.

The family table and the list of models are derived from ``families.FAMILIES``: a family added there is
listed here with its models (each described in ``MODEL_TEXT``), papers, notebooks and shipped checkpoints.
"""

from __future__ import annotations

from functools import partial

import gradio as gr

from ..families import DATASET_FAMILY, FAMILIES
from .common import ModelCache
from .inputs import check_choice
from .ui import t, user_errors

CARD_FIELDS = (
    "preset",
    "summary",
    "paper_setting",
    "steps",
    "batch_size",
    "seed",
    "wall_time_s",
    "hardware",
    "version",
)
# Table headers are not translated by gr.I18n, so they carry both languages.
FAMILY_HEADERS = [
    "family / ファミリー",
    "models / モデル",
    "papers / 論文",
    "notebooks / ノートブック",
    "shipped checkpoints / 同梱のチェックポイント",
]
FAMILY_TITLES_JA = {
    "dsprites": "dSprites の VAE ファミリー",
    "digits": "数字の InfoGAN と JointVAE",
    "faces": "顔の内容追加",
    "gzsl": "一般化ゼロショット学習",
}

# What each model of ``models.MODELS`` is, in the paper's words; a family's models are listed under its title.
MODEL_TEXT_EN = {
    "autoencoder": "- **Autoencoder**: an encoder squeezes the 64×64 image into 10 numbers and a decoder draws it "
    "back. Nothing else is asked of the code, so any rotation of a good code is as good: the "
    "factors come out mixed (entangled).",
    "beta_vae": "- **VAE** (Kingma & Welling 2014): the encoder gives a Gaussian per latent and a KL term pulls it "
    "towards the N(0, 1) prior. Objective: E[−log p(x|z)] + KL(q(z|x) ‖ p(z)).\n"
    "- **β-VAE** (Higgins et al. 2017): the same with the KL term weighted by β > 1. The code is "
    "pushed towards independent latents, which tends to give one latent per generative factor, at some "
    "cost in sharpness.\n"
    "- **β-VAE with capacity annealing** (Burgess et al. 2018): recon + γ·|KL − C|, where the capacity "
    "C grows during training, so the model learns the factors one at a time while keeping good "
    "reconstructions.",
    "beta_tcvae": "- **β-TCVAE** (Chen et al. 2018): splits the KL term and weights only its total-correlation "
    "part by β, the part that measures how dependent the latents are on each other.",
    "factor_vae": "- **FactorVAE** (Kim & Mnih 2018): a VAE plus γ times the total correlation, estimated by a "
    "discriminator that tells codes from codes with their latents shuffled across the batch (the "
    "discriminator is not shipped).",
    "infogan": "- **InfoGAN** (Chen et al. 2016): a GAN whose generator G draws from noise and a few codes (one "
    "category out of 10 and continuous codes). A second network Q must read the codes back from the "
    "drawing, which maximises their mutual information with the image: with no labels, the category "
    "finds the digit and the continuous codes its slant and stroke width.",
    "joint_vae": "- **JointVAE** (Dupont 2018): a VAE with continuous Gaussian latents and one categorical latent "
    "(relaxed by Gumbel-softmax), each KL term held near a capacity that grows during training, so "
    "the categorical latent takes the digit and the continuous ones its style.",
    "content_ae": "- **Content-addition auto-encoder** (Press et al. 2019): a common encoder for faces with and "
    "without glasses (or beards), a specific encoder for what the attribute adds, one decoder; a "
    "discriminator on the common code pushes the attribute out of it, so a donor's specific code "
    "puts its glasses on another face.",
    "masked_content_ae": "- **Masked content-addition auto-encoder** (Mokady et al. 2020): the same encoders, with "
    "a second decoder that draws the attribute and a mask of where it goes; the transfer adds "
    "the attribute onto face a's own pixels, so the rest of the face stays as it was. The kit "
    "adds a *blank* term: the specific encoder reads nothing on a face without the attribute, "
    "nor on one whose attribute was removed.",
    "cada_vae": "- **CADA-VAE** (Schönfeld et al. 2019): two VAEs, on image features and on class attributes, "
    "aligned by cross-reconstruction and a Wasserstein distance, so an unseen class can be sampled "
    "from its attributes alone (generalized zero-shot learning).",
    "dvae": "- **Disentangled VAE for GZSL** (Li et al. 2021): CADA-VAE with each latent split into a class part "
    "z^t and a class-free part z^p, kept apart by a loss that shuffles z^p across the batch; the "
    "classifier reads z^t.",
}
MODEL_TEXT_JA = {
    "autoencoder": "- **オートエンコーダー**：エンコーダーが 64×64 の画像を 10 個の数に圧縮し、"
    "デコーダーが描き戻します。符号にほかの条件がないため、良い符号を回転しても同じく良く、"
    "生成因子は混ざって（もつれて）しまいます。",
    "beta_vae": "- **VAE**（Kingma & Welling 2014）：エンコーダーは潜在変数ごとにガウス分布を出し、KL "
    "項がそれを事前分布 N(0, 1) に近づけます。目的関数：E[−log p(x|z)] + KL(q(z|x) ‖ p(z))。\n"
    "- **β-VAE**（Higgins ら 2017）：KL 項を β > 1 倍に重み付けしたもの。符号が独立な潜在変数に近づき、"
    "一つの潜在変数が一つの生成因子を担いやすくなります（代わりに画像は少しぼやけます）。\n"
    "- **容量アニーリング付き β-VAE**（Burgess ら 2018）：再構成 + γ·|KL − C|。容量 C "
    "を学習中に増やすので、再構成を保ちながら因子を一つずつ学びます。",
    "beta_tcvae": "- **β-TCVAE**（Chen ら 2018）：KL 項を分解し、潜在変数どうしの依存の強さを測る全相関（total "
    "correlation）の部分だけを β 倍します。",
    "factor_vae": "- **FactorVAE**（Kim & Mnih 2018）：VAE に全相関の γ 倍を加えます。全相関は、符号と、"
    "潜在変数をバッチ内でシャッフルした符号とを見分ける識別器で推定します"
    "（識別器は同梱していません）。",
    "infogan": "- **InfoGAN**（Chen ら 2016）：生成器 G がノイズといくつかのコード（10 "
    "個のうち一つのカテゴリーと連続コード）から描く GAN。もう一つのネットワーク Q "
    "が描かれた画像からコードを読み戻すので、コードと画像の相互情報量が大きくなり、"
    "ラベルなしにカテゴリーが数字を、連続コードが傾きや線の太さを見つけます。",
    "joint_vae": "- **JointVAE**（Dupont 2018）：連続のガウス潜在変数と一つのカテゴリー潜在変数（Gumbel-softmax "
    "で緩和）を持つ VAE。それぞれの KL 項を学習中に増える容量の近くに保つので、"
    "カテゴリー潜在変数が数字を、連続潜在変数がその書き方を担います。",
    "content_ae": "- **内容追加オートエンコーダー**（Press ら 2019）：眼鏡（または髭）"
    "のある顔とない顔に共通のエンコーダーと、属性が加える部分だけを符号化する固有エンコーダー、"
    "一つのデコーダー。共通符号に対する識別器が属性を共通符号から追い出すので、"
    "別の顔の固有符号を使うとその眼鏡を顔にかけられます。",
    "masked_content_ae": "- **マスク付き内容追加オートエンコーダー**（Mokady ら 2020）：同じエンコーダーに、"
    "属性とそれを置く場所のマスクを描く第二のデコーダーを加えます。転写は顔 a "
    "自身の画素の上に属性を足すので、顔の残りはそのまま残ります。このキットは *blank* "
    "項を加えます：属性のない顔と、属性を取り除いた顔では、"
    "固有エンコーダーは何も読み取りません。",
    "cada_vae": "- **CADA-VAE**（Schönfeld ら 2019）：画像特徴とクラス属性の二つの VAE "
    "を交差再構成とワッサースタイン距離で揃え、未知クラスを属性だけからサンプルできるようにします"
    "（一般化ゼロショット学習）。",
    "dvae": "- **GZSL 用のもつれを解いた VAE**（Li ら 2021）：CADA-VAE の潜在変数をクラスの部分 z^t "
    "とクラスに無関係な部分 z^p に分け、z^p をバッチ内でシャッフルする損失で両者を分けます。分類器は z^t "
    "を読みます。",
}

TEXT = {
    "en": {
        "about.tab": "About",
        "about.families": "### The families\nEach family is a paper trail: data, models, training, measurement, "
        "a tab of this app and a notebook.",
        "about.models": "### The models",
        "about.data": """### Data and licences
- **Procedural dSprites**: every image is drawn by this package from 5 factors (shape, scale, orientation,
  posX, posY) on the factor grid of dSprites (Matthey, Higgins, Hassabis & Lerchner 2017, DeepMind,
  Apache 2.0). The shapes follow the same geometry but are not pixel-identical to the official file, and
  no file is downloaded.
- **Checkpoints**: trained by this project with the recipes in `disentangle_core/presets.py`, each on the
  data its card names; code and weights under the MIT licence, like the rest of the repository.
- **MNIST** (LeCun, Cortes & Burges, CC BY-SA 3.0): the digits models trained on the 60,000 training digits
  and measured on 8,000 test digits; the 100 test digits of the digits tab are shipped in
  `assets/mnist_heldout_sample.npz`.
- **Procedural GZSL benchmark**: creatures of 48 attribute-defined classes, drawn by this package (seed 0),
  with features from a small CNN trained on the seen classes only; cached on first use.
- **Procedural faces**: drawn by this package from identity factors, glasses and beards; no photograph is
  used.
- **CelebA** (Liu, Luo, Wang & Tang 2015): the photo models of the glasses / beard tab were trained on it.
  CelebA is for non-commercial research only, and so are these weights; no CelebA image ships. Their donor
  codes (`assets/*_donors.npz`) are numbers computed from held-out CelebA faces, not pictures.
- **Astronaut**: NASA's portrait of Eileen Collins (public domain, as scikit-image ships it), the face the
  photo models draw on.
- The app runs offline: no analytics, no share links, nothing sent anywhere.""",
        "about.cards": "### Shipped checkpoints",
        "about.card": "Card",
        "about.card_info": "Choose a checkpoint to read its card: recipe, training steps, hardware and measured "
        "metrics.",
        **{f"about.family.{name}": family.title for name, family in FAMILIES.items()},
        **{f"about.model.{model}": text for model, text in MODEL_TEXT_EN.items()},
    },
    "ja": {
        "about.tab": "このアプリについて",
        "about.families": "### ファミリー\n各ファミリーは一本の論文の道筋です：データ、モデル、学習、測定、"
        "このアプリのタブ、ノートブック。",
        "about.models": "### モデル",
        "about.data": "### データとライセンス\n"
        "- **手続き生成の dSprites**：全ての画像は、このパッケージが 5 つの因子（形、大きさ、向き、x "
        "位置、y 位置）から dSprites（Matthey, Higgins, Hassabis & Lerchner 2017、DeepMind、Apache 2.0）"
        "と同じ因子グリッドで描きます。図形の幾何は同じですが公式ファイルと画素単位では一致せず、"
        "ファイルのダウンロードもしません。\n"
        "- **チェックポイント**：本プロジェクトが `disentangle_core/presets.py` のレシピで、"
        "カードに記したデータから学習したもの。コードと重みはリポジトリ全体と同じ MIT ライセンスです。\n"
        "- **MNIST**（LeCun, Cortes & Burges、CC BY-SA 3.0）：数字のモデルは 60,000 枚の学習用数字で学習し、"
        "8,000 枚のテスト用数字で測りました。数字タブのテスト用数字 100 枚は `assets/mnist_heldout_sample.npz` "
        "に同梱しています。\n"
        "- **手続き生成の GZSL ベンチマーク**：属性で定義された 48 "
        "クラスの生き物を本パッケージが描き（シード 0）、既知クラスだけで学習した小さな CNN "
        "の特徴量を使います。初回の使用時にキャッシュします。\n"
        "- **手続き生成の顔**：本パッケージが顔の因子・眼鏡・髭から描きます。写真は使っていません。\n"
        "- **CelebA**（Liu, Luo, Wang & Tang 2015）：眼鏡・髭タブの写真用モデルはこれで学習しました。"
        "CelebA は非商用の研究目的に限られ、これらの重みも同じです。CelebA の画像は同梱していません。"
        "ドナーのコード（`assets/*_donors.npz`）はテスト用の CelebA の顔から計算した数値で、画像ではありません。\n"
        "- **宇宙飛行士**：NASA による Eileen Collins の肖像（パブリックドメイン、scikit-image 同梱のもの）。"
        "写真用モデルはこの顔に描きます。\n"
        "- このアプリはオフラインで動きます。アクセス解析も共有リンクもなく、どこにも何も送りません。",
        "about.cards": "### 同梱のチェックポイント",
        "about.card": "カード",
        "about.card_info": "チェックポイントを選ぶとカード（レシピ、学習ステップ数、ハードウェア、測定した指標）を"
        "表示します。",
        **{f"about.family.{name}": title for name, title in FAMILY_TITLES_JA.items()},
        **{f"about.model.{model}": text for model, text in MODEL_TEXT_JA.items()},
    },
}


def family_table(cache: ModelCache) -> list:
    """A row per family: its title, models, papers, notebooks and the shipped checkpoints trained on its data."""
    assets = {name: [] for name in FAMILIES}
    for asset in cache.names():
        family = DATASET_FAMILY.get(cache.card(asset).get("dataset", "dsprites"))
        if family is not None:
            assets[family].append(asset)
    return [
        [family.title, ", ".join(family.models), family.paper, family.notebook, ", ".join(assets[name]) or "–"]
        for name, family in FAMILIES.items()
    ]


def card_table(cache: ModelCache, name) -> list:
    """The card of a shipped checkpoint as [field, value] rows (the training history left out)."""
    card = cache.card(check_choice(name, cache.names(), "checkpoint"))
    rows = [["model", card.get("model", "?")]]
    rows += [[key, str(card[key])] for key in CARD_FIELDS if key in card]
    rows += [[f"config.{k}", str(v)] for k, v in card.get("config", {}).items()]
    rows += [[f"metrics.{k}", str(v)] for k, v in card.get("metrics", {}).items()]
    return rows


def build(demo: gr.Blocks, cache: ModelCache) -> None:
    names = cache.names()
    with gr.Tab(t("about.tab"), id="about"):
        gr.Markdown(t("about.families"))
        gr.Dataframe(
            family_table(cache), headers=FAMILY_HEADERS, interactive=False, wrap=True, elem_id="about-families"
        )
        gr.Markdown(t("about.models"))
        for name, family in FAMILIES.items():
            with gr.Accordion(t(f"about.family.{name}"), open=True, elem_id=f"about-family-{name}"):
                for model in family.models:
                    gr.Markdown(t(f"about.model.{model}"))
        gr.Markdown(t("about.cards"))
        card_name = gr.Dropdown(
            names, value=names[0] if names else None, label=t("about.card"), info=t("about.card_info")
        )
        card = gr.Dataframe(headers=["field / 項目", "value / 値"], interactive=False, wrap=True)
        gr.Markdown(t("about.data"))
        show = user_errors(partial(card_table, cache))
        card_name.change(show, card_name, card, preprocess=False, api_name="card")
        demo.load(show, card_name, card, preprocess=False, api_visibility="private")
