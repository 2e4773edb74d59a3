# RED TEAM (fails until fixed). SimpleDense is not a class but a function that returns Keras's own
# Dense with the lab's initializers. The gate looks for Keras classes *between* the layer's class and
# Layer (type(layer).__mro__[1:]) and for Keras layers held as attributes; the layer's own class,
# Dense itself, is never looked at, so the borrowed layer passes as one "you wrote": full marks for
# what borrowed_dense_subclass (the same Dense, subclassed) scores zero for. Fix: have the probes
# report the class of the object the entry made and check it too (type(layer).__mro__ from index 0),
# and that it is the entry when the entry is a class.
# Its honest code, Keras's Dense under another name, earns nothing.
# expect: zero
# message: Keras's own Dense
# limits: timeout_s=60
def SimpleDense(units=32):
    return tf.keras.layers.Dense(units, kernel_initializer=tf.random_normal_initializer())
