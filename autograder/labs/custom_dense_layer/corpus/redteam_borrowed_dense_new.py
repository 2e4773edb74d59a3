# RED TEAM (fails until fixed). SimpleDense is a Layer subclass of its own, as the gate asks, whose
# __new__ hands back Keras's own Dense instead of an instance of itself. The probes look at the object
# made, whose class is Dense, and the gate checks only the classes between that class and Layer (none
# for Dense itself): the borrowed layer passes as one "you wrote", full marks. Fix: as for
# redteam_borrowed_dense_factory, judge the class of the object made, and require it to be the entry
# (or a subclass of it) when the entry is a class.
# Its honest code, Keras's Dense under another name, earns nothing.
# expect: zero
# message: Keras's own Dense
# limits: timeout_s=60
class SimpleDense(tf.keras.layers.Layer):
    def __new__(cls, units=32, **kwargs):
        return tf.keras.layers.Dense(units, kernel_initializer=tf.random_normal_initializer())

    def build(self, input_shape):
        raise NotImplementedError()

    def call(self, inputs):
        raise NotImplementedError()
