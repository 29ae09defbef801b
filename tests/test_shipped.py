"""The shipped generators do what their chapters promise, measured on small samples (chapter 5's
metrics)."""
from ganbook.pretrained import available, load, record

def test_all_shipped_have_records():
    for name in available():
        rec = record(name)
        assert rec.get('command') and rec.get('machine') and rec.get('seed') is not None, \
            (name, rec)

def test_dcgan_samples():
    x = load('dcgan-mnist').sample(64, seed=0)
    assert x.shape == (64, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    assert (x < -0.8).float().mean() > 0.5                         # dark background, like MNIST

def test_dcgan_digits_are_recognised():
    from ganbook.metrics import predict
    pred = predict(load('dcgan-mnist').sample(1000, seed=1))
    counts = pred.bincount(minlength=10)
    assert (counts > 30).all(), f'some digit classes are (almost) never drawn: {counts.tolist()}'

def test_cgan_label_accuracy_small_sample():
    from ganbook.metrics import label_accuracy
    acc = label_accuracy(load('cgan-mnist'), n_per_class=100, seed=1)
    acc = acc['accuracy'] if isinstance(acc, dict) else float(acc)
    assert acc >= 0.95, acc                      # 99.66% on 10,000 samples (chapter 3)

def test_infogan_code_accuracy_small_sample():
    from ganbook.metrics import code_accuracy
    r = code_accuracy(load('infogan-mnist'), n_per_code=100, seed=1)
    # 86.9% on 10,000 samples (chapter 4; Chen et al. report 95%), 87.4% on these 1,000; a
    # generator whose code had lost another digit would score about 10 points less
    assert r.accuracy >= 0.83, r

def test_dcgan_and_student_fid_small_sample():
    """Regression guard on 2,000 samples (the chapters' numbers use 10,000: DCGAN 2.3x floor,
    student 2.4x, 1.07x its teacher)."""
    from ganbook.metrics import evaluate, real_images
    floor = evaluate(real_images('train', 2000, seed=1), 2000, seed=0)['fid']
    teacher = evaluate(load('dcgan-mnist'), 2000, seed=1)['fid']
    student = evaluate(load('dcgan-mnist-student'), 2000, seed=1)['fid']
    # measured when shipped: floor 0.143, DCGAN 0.177 (1.23x), student 0.165 (1.15x). At n = 2,000
    # the two are inside the metric's noise (chapter 5), so the test does not rank them; a DCGAN
    # of 10x the floor at n = 10,000 scores about 4.5x here and fails
    assert teacher < 2 * floor, (teacher, floor)
    assert student < 2 * floor, (student, floor)
